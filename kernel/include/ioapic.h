#ifndef EDGEOS_IOAPIC_H
#define EDGEOS_IOAPIC_H
#include "types.h"
void ioapic_init(void);
int ioapic_count(void);
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id);   /* -1: no such line */
void ioapic_mask(uint32_t gsi);
#endif
