/* Console lines of the Linux guest's helper programs (say.c). */
#ifndef PEER_SAY_H
#define PEER_SAY_H

/* Writes one whole line (a newline is added) with a single write(), so that
 * lines of processes sharing the console do not interleave. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
