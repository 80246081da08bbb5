// Mirror: send every Ethernet frame back where it came from by swapping
// its source and destination MAC addresses.
define($IN in.pcap, $OUT out.pcap);

FromDump($IN)
    -> count :: Counter
    -> mirror :: EtherMirror
    -> ToDump($OUT);
