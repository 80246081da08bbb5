/* startup-true: the smallest useful program, linked statically against musl.
 * Every start-up peer (fork+exec, posix_spawn, vfork+exec, runc run) launches
 * this binary, so the figures measure process creation, not program work. */
int main(void)
{
    return 0;
}
