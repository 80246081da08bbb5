/* Driver: runs element tasks round by round.
 *
 * A round calls every live task once (each does a bounded burst of work).
 * The router finishes when every source task (FromDump, FromDevice) has
 * reported CLICK_TASK_DONE and a whole round did no work, so packets still
 * sitting in queues are drained by the pull tasks before the end. Sources
 * on live devices never report DONE; their hosts call click_router_step in
 * their own loop instead. */
#include "click_router.h"

bool click_router_step(click_router *r) {
    if (r->finished) return false;
    if (r->stop_requested) {
        r->finished = true;
        return false;
    }
    long work = 0;
    for (int i = 0; i < r->ntasks; i++) {
        if (r->task_done[i]) continue;
        click_element *e = r->tasks[i];
        int w = e->cls->run_task(e);
        if (w == CLICK_TASK_DONE) {
            r->task_done[i] = true;
            if (e->cls->is_source) r->sources_active--;
            work++;
        } else if (w > 0) {
            work += w;
        }
    }
    r->rounds++;
    if ((work == 0 && r->sources_active == 0) || r->stop_requested) {
        r->finished = true;
        return false;
    }
    return true;
}

uint64_t click_router_run(click_router *r, uint64_t max_rounds) {
    uint64_t n = 0;
    while ((max_rounds == 0 || n < max_rounds) && click_router_step(r)) n++;
    return n;
}

void click_router_stop(click_router *r) { r->stop_requested = true; }

void click_router_resume(click_router *r) {
    r->finished = false;
    r->stop_requested = false;
    r->sources_active = 0;
    for (int i = 0; i < r->ntasks; i++) {
        r->task_done[i] = false;
        if (r->tasks[i]->cls->is_source) r->sources_active++;
    }
}
