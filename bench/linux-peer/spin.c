/* CPU hog for the Linux peer guest: spins forever without system calls.
 * Tenant "b" runs one or two of these in the spin20/spin100 cases. */
int main(void)
{
    volatile unsigned long n = 0;
    for (;;)
        n++;
}
