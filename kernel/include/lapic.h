/* Local APIC: per-CPU timer (TSC-deadline when the CPU has it, else
 * one-shot with a calibrated rate), inter-processor interrupts, EOI. */
#ifndef EDGEOS_LAPIC_H
#define EDGEOS_LAPIC_H
#include "types.h"
void lapic_init(bool bsp);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_init_sipi_all(uint8_t start_page);
void timer_arm(uint64_t deadline_tsc);   /* one interrupt at (or after) deadline */
void timer_disarm(void);
extern bool timer_tsc_deadline;
extern uint64_t lapic_timer_hz;
#endif
