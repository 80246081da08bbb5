/* Table of built-in element classes. */
#include <string.h>

#include "click_element.h"

#define CLASSES(X)                                                                          \
    X(ICMPError) X(IPFragmenter) X(IPReassembler) X(IPRewriterPatterns) X(ICMPIPEncap) X(AddressInfo) X(LinearIPLookup) X(RadixIPLookup) X(DirectIPLookup) X(RangeIPLookup) \
    X(ARPQuerier) X(ARPResponder) X(Align) X(AlignmentInfo) X(AverageCounter) X(CheckARPHeader) X(CheckIPHeader)      \
    X(CheckICMPHeader) X(CheckIPHeader2) X(CheckTCPHeader) X(CheckUDPHeader) X(CheckPaint) X(Classifier) X(Counter) X(DecIPTTL) X(Discard) X(DriverManager)         \
    X(EtherEncap) X(EtherMirror) X(FromDevice) X(FromDump) X(FromIPSummaryDump) X(FrontDropQueue) X(HashSwitch) X(Hub) X(ICMPPingEncap) X(ICMPPingResponder) \
    X(IPClassifier) X(IPEncap) X(IPPrint) X(IPFilter) X(IPRateMonitor) X(IPRewriter) X(Idle) X(InfiniteSource) X(MarkIPCE) X(MarkIPHeader) X(MixedQueue) X(Null) X(Pad)      \
    X(Paint) X(PaintSwitch) X(Print) X(PullNull) X(PullSwitch) X(PushNull) X(Queue) X(RatedSource) X(Resize) X(RoundRobinSwitch) X(Script) X(SetIPAddress) X(SetIPChecksum) X(SetIPDSCP) X(SetTimestamp) X(SimpleQueue) X(StoreIPAddress) X(Strip) X(StripToNetworkHeader) X(Switch) \
    X(Tee) X(TCPRewriter) X(TimedSource) X(ToDevice) X(ToDump) X(ToIPSummaryDump) X(Truncate) X(UDPIPEncap) X(UDPRewriter) X(VLANDecap) X(VLANEncap) X(Unqueue) X(Unstrip) \
    X(ARPPrint) X(ARPTable) X(DelayUnqueue) X(SetVLANAnno) X(EtherVLANEncap) X(StripEtherVLANHeader) X(RatedUnqueue) X(BandwidthRatedUnqueue) X(RatedSplitter) X(BandwidthRatedSplitter) X(Bypass) X(InputSwitch) X(SimplePullSwitch) X(Clipboard) X(LinkUnqueue) X(SetTimestampDelta) X(TimedSink) X(RoundRobinSched) X(PrioSched) X(StrideSched) X(DelayShaper)

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
