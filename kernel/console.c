/* Kernel console: serializes output from all CPUs onto the serial port. */
#include "kprintf.h"
#include "spinlock.h"
#include "serial.h"
#include "cpu.h"

static spinlock_t console_lock = SPINLOCK_INIT;
static volatile bool panicking;

static void console_emit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

void console_write(const char *s, size_t n)
{
    if (panicking) {
        console_emit(s, n);
        return;
    }
    spin_lock(&console_lock);
    console_emit(s, n);
    spin_unlock(&console_lock);
}

void kvprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void machine_exit(int code);

_Noreturn void panic(const char *fmt, ...)
{
    irq_disable();
    panicking = true;
    va_list ap;
    va_start(ap, fmt);
    kprintf("\nKERNEL PANIC: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    va_end(ap);
    machine_exit(3);
    cpu_halt_forever();
}
