/* pthreads in an FWP: threads on every CPU contend on a mutex, wait on a
 * condition variable and are joined; argv[1] = "fault" makes one thread
 * fault (the whole FWP ends), "exit" makes one call exit_group while the
 * others spin. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 6
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter, started;
static const char *mode = "";

static void *worker(void *arg)
{
    long id = (long)arg;
    pthread_mutex_lock(&lock);
    started++;
    pthread_cond_broadcast(&cond);
    while (started < NTHREADS)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    if (id == 3 && !strcmp(mode, "fault")) {
        volatile int *null = 0;
        *null = 1;
    }
    if (id == 3 && !strcmp(mode, "exit"))
        exit(7);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    if (mode[0])
        for (;;)
            ;                       /* the others spin until the FWP ends */
    return (void *)(id * 10);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        mode = argv[1];
    pthread_t t[NTHREADS];
    for (long i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
            printf("threads: pthread_create failed\n");
            return 1;
        }
    long sum = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (long)r;
    }
    printf("threads: counter %ld (expected %d), join results sum %ld (expected %d)\n", counter,
           NTHREADS * ROUNDS, sum, 10 * (NTHREADS * (NTHREADS - 1) / 2));
    return counter == NTHREADS * ROUNDS && sum == 150 ? 0 : 1;
}
