/* The host's file operations (click.h): set once by a host that has files,
 * used by the trace elements. */
#include "click.h"

static const click_file_ops *file_ops;

void click_set_file_ops(const click_file_ops *ops) { file_ops = ops; }
const click_file_ops *click_get_file_ops(void) { return file_ops; }
