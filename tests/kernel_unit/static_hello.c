/* Tiny static program: input for the ELF validator tests. */
#include <stdio.h>

int main(void)
{
    puts("hello from a static test binary");
    return 0;
}
