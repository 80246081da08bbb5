/*
 * mc_restart.h - saving the cache on a graceful stop and restoring it at
 * start (-e PATH): see mc_restart.c.
 */
#ifndef MC_RESTART_H
#define MC_RESTART_H

#include "mc_engine.h"

/* Writes the live items to path and then path.meta. 0, or -1 (printed). */
int mc_restart_save(mc_engine *e, const char *path, const mc_config *cfg);

/* Restores a snapshot if path.meta exists (then removes it). 0 when the
 * server may run (restored, none, or set aside); -1 when the metadata is
 * unreadable (printed). */
int mc_restart_load(mc_engine *e, const char *path, const mc_config *cfg);

#endif
