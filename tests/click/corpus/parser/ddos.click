// DDoS monitor: measures the packet rate of every source address and
// diverts packets from sources above $THRESH packets/s; the rest pass.
define($IN in.pcap, $OUT out.pcap, $THRESH 1000);

FromDump($IN)
    -> Classifier(12/0800)
    -> Strip(14)
    -> CheckIPHeader
    -> mon :: IPRateMonitor(PACKETS, 0.5, $THRESH)
    -> Unstrip(14)
    -> passed :: Counter
    -> ToDump($OUT);

mon[1] -> blocked :: Counter -> Discard;
