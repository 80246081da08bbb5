/* Table of built-in element classes. */
#include <string.h>

#include "click_element.h"

#define CLASSES(X)                                                                          \
    X(ARPQuerier) X(ARPResponder) X(AverageCounter) X(CheckARPHeader) X(CheckIPHeader)      \
    X(CheckIPHeader2) X(CheckPaint) X(Classifier) X(Counter) X(DecIPTTL) X(Discard) X(DriverManager)         \
    X(EtherEncap) X(EtherMirror) X(FromDevice) X(FromDump) X(FromIPSummaryDump) X(HashSwitch) X(ICMPPingResponder) \
    X(IPClassifier) X(IPPrint) X(IPFilter) X(IPRateMonitor) X(IPRewriter) X(Idle) X(InfiniteSource) X(MarkIPHeader)      \
    X(Paint) X(PaintSwitch) X(Print) X(PullSwitch) X(Queue) X(RatedSource) X(RoundRobinSwitch) X(Script) X(SetIPChecksum) X(SetTimestamp) X(SimpleQueue) X(Strip) X(Switch) \
    X(Tee) X(TCPRewriter) X(TimedSource) X(ToDevice) X(ToDump) X(ToIPSummaryDump) X(Truncate) X(UDPRewriter) X(Unqueue) X(Unstrip)

#define DECLARE(n) extern const click_element_class click_class_##n;
CLASSES(DECLARE)
#undef DECLARE

#define ENTRY(n) &click_class_##n,
static const click_element_class *const classes[] = {CLASSES(ENTRY) NULL};
#undef ENTRY

#define NAME(n) #n,
static const char *const names[] = {CLASSES(NAME) NULL};
#undef NAME

const click_element_class *click_class_find(const char *name) {
    if (!name) return NULL;
    for (int i = 0; classes[i]; i++)
        if (!strcmp(classes[i]->name, name)) return classes[i];
    return NULL;
}

const char *const *click_class_names(void) { return names; }
