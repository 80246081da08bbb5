/* Kernel entry: brings the machine up in dependency order, then starts one
 * FWP per program module and becomes CPU 0's idle thread. */
#include "kprintf.h"
#include "multiboot.h"
#include "serial.h"
#include "percpu.h"
#include "trap.h"
#include "lapic.h"
#include "time.h"
#include "mm.h"
#include "sched.h"
#include "fwp.h"
#include "loader.h"
#include "cpu.h"
#include "string.h"
#include "platform.h"
#include "ioapic.h"
#include "tenant.h"
#include "errno.h"

void smp_start(void);
extern bool verbose_faults;

#define DEFAULT_MEM_LIMIT (64ULL << 20)

static uint64_t parse_size(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    if (*s == 'K' || *s == 'k') v <<= 10;
    else if (*s == 'M' || *s == 'm') v <<= 20;
    else if (*s == 'G' || *s == 'g') v <<= 30;
    return v;
}

/* Module string: "path [@mem=SIZE] [@stack=SIZE] [@cpu=N] [@name=NAME] [@root] [@image=NAME] [args...]".
 * With @image=NAME the module is kept as a built-in image instead of
 * being started. */
static void start_module(const struct boot_module *m)
{
    static char buf[512];
    char *argv[32];
    int argc = 1;
    uint64_t mem = DEFAULT_MEM_LIMIT;
    int cpu = -1;
    bool root = false;
    uint64_t stack = 0;
    strlcpy(buf, m->cmdline, sizeof buf);
    char *p = buf, *path = NULL, *name = NULL, *image = NULL;
    while (*p) {
        while (*p == ' ')
            *p++ = 0;
        if (!*p)
            break;
        char *tok = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = 0;
        if (!path)
            path = tok;
        else if (!strncmp(tok, "@mem=", 5))
            mem = parse_size(tok + 5);
        else if (!strncmp(tok, "@cpu=", 5))
            cpu = (int)parse_size(tok + 5);
        else if (!strncmp(tok, "@name=", 6))
            name = tok + 6;
        else if (!strncmp(tok, "@stack=", 7))
            stack = parse_size(tok + 7);
        else if (!strcmp(tok, "@root"))
            root = true;
        else if (!strncmp(tok, "@image=", 7))
            image = tok + 7;
        else if (argc < 31)
            argv[argc++] = tok;
        else
            argc = 32;              /* too many: refused below */
    }
    if (!path)
        path = "program";
    if (argc > 31) {
        kprintf("kernel: cannot start program %s: more than 30 arguments\n", path);
        return;
    }
    if (!name) {
        name = path;
        for (char *s = path; *s; s++)
            if (*s == '/')
                name = s + 1;
        char *dot = strchr(name, '.');
        if (dot)
            *dot = 0;
    }
    if (image) {
        const char *why = NULL;
        struct program_image img;
        program_image_kernel(&img, PHYS_TO_VIRT(m->start), m->end - m->start);
        int r = program_check(&img, &why);
        if (r == 0)
            r = image_register(image, PHYS_TO_VIRT(m->start), m->end - m->start);
        if (r < 0)
            kprintf("kernel: cannot keep image %s: %s\n", image, why ? why : r == -EEXIST ? "name in use" : "too many images");
        else
            kprintf("kernel: built-in image %s (%lu KiB)\n", image, (m->end - m->start) >> 10);
        return;
    }
    argv[0] = name;
    argv[argc] = NULL;
    const char *why = NULL;
    int err;
    struct program_image img;
    program_image_kernel(&img, PHYS_TO_VIRT(m->start), m->end - m->start);
    struct fwp *f = program_start(&system_tenant, name, &img, argc, argv, mem, stack, cpu, &why, &err);
    if (!f)
        kprintf("kernel: cannot start program %s: %s\n", name, why);
    else {
        f->root = root;
        sched_wake(f->threads);
        kprintf("kernel: started fwp %u (%s), memory quota %lu KiB\n", f->id, f->name, mem >> 10);
    }
}

void kmain(uint32_t mb_magic, uint32_t mb_info)
{
    serial_init();
    if (multiboot_parse(mb_magic, mb_info) < 0)
        panic("not started by a Multiboot loader (magic %x)", mb_magic);
    kprintf("EdgeOS 0.1 (x86-64 microkernel)\n");
    kprintf("kernel: command line '%s'\n", boot_info.cmdline);
    idt_init();
    cpus[0].id = 0;
    cpu_init_local(&cpus[0]);
    tsc_calibrate();
    mm_init();
    rtc_read_boot_time();
    lapic_init(true);
    cpus[0].lapic_id = lapic_id();
    sched_init_cpu(&cpus[0]);
    tenant_init();
    smp_start();
    ioapic_init();
    platform_probe_devices();
    kprintf("cpu: %u CPUs online\n", ncpus_online);
    kprintf("time: TSC %lu.%03lu MHz, timer: %s", tsc_hz / 1000000, (tsc_hz / 1000) % 1000,
            timer_tsc_deadline ? "TSC-deadline\n" : "LAPIC one-shot, ");
    if (!timer_tsc_deadline)
        kprintf("%lu.%03lu MHz\n", lapic_timer_hz / 1000000, (lapic_timer_hz / 1000) % 1000);
    kprintf("mm: %lu frames free\n", frames_free());

    char opt[32];
    if (boot_option("shutdown_after", opt, sizeof opt))
        shutdown_at_tsc = rdtsc() + ns_to_tsc(parse_size(opt) * 1000000ULL);
    if (boot_option("halt", opt, sizeof opt) && !strcmp(opt, "never"))
        halt_when_idle = false;
    if (boot_option("verbose_faults", opt, sizeof opt))
        verbose_faults = opt[0] == '1';
    if (boot_option("icount_selftest", opt, sizeof opt) && opt[0] == '1') {
        void icount_selftest(void);
        icount_selftest();
    }

    for (int i = 0; i < boot_info.nmods; i++)
        start_module(&boot_info.mods[i]);
    boot_programs_started = true;
    kprintf("kernel: boot took %lu us; entering user mode\n", time_ns() / 1000);
    if (fwp_live_count() == 0 && halt_when_idle) {
        kprintf("kernel: no programs to run, powering off\n");
        void machine_exit(int);
        machine_exit(0);
    }
    sched_idle_loop();
}
