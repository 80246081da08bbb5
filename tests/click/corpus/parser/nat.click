// NAT: source NAT for an inside network behind one public address.
// Packets from inside get the public source address and a port from
// 1024-65535; replies to the public address are mapped back. Frames leave
// with fixed next-hop MAC addresses on each side.
define($IN in.pcap, $OUT out.pcap,
       $PUBLIC 198.51.100.1,
       $OUT_SRC 02:00:00:00:01:01, $OUT_DST 02:00:00:00:01:fe,
       $IN_SRC 02:00:00:00:02:01, $IN_DST 02:00:00:00:02:fe);

out :: ToDump($OUT);

FromDump($IN)
    -> Classifier(12/0800)
    -> Strip(14)
    -> CheckIPHeader
    -> side :: IPClassifier(dst host $PUBLIC, -);

rw :: IPRewriter(pattern $PUBLIC 1024-65535 - - 0 1, drop);

side[1] -> [0]rw;      // from inside: create or use a mapping
side[0] -> [1]rw;      // from outside: only replies to existing mappings

rw[0] -> EtherEncap(0x0800, $OUT_SRC, $OUT_DST) -> out;
rw[1] -> EtherEncap(0x0800, $IN_SRC, $IN_DST) -> out;
