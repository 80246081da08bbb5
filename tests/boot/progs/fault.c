/* Commits one kind of fault, named by argv[1]; the kernel must end this
 * program alone. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "";
    printf("fault: committing %s\n", kind);
    fflush(stdout);
    if (!strcmp(kind, "null")) {
        volatile int *p = 0;
        return *p;
    }
    if (!strcmp(kind, "write-text")) {
        volatile unsigned char *code = (unsigned char *)main;
        code[0] = 0xc3;
    }
    if (!strcmp(kind, "privileged"))
        __asm__ volatile("cli; hlt");
    if (!strcmp(kind, "div0")) {
        volatile int zero = 0;
        return 10 / zero;
    }
    if (!strcmp(kind, "kernel-pointer"))
        syscall(SYS_write, 1, (void *)0xffffffff80100000UL, 16);
    if (!strcmp(kind, "unmapped-pointer"))
        syscall(SYS_write, 1, (void *)0x123456789000UL, 16);
    if (!strcmp(kind, "exec-stack")) {
        unsigned char code[16] = { 0xc3 };
        ((void (*)(void))code)();
    }
    if (!strcmp(kind, "wild-jump"))
        ((void (*)(void))0xdead0000)();
    printf("fault: %s did not fault\n", kind);
    return 1;
}
