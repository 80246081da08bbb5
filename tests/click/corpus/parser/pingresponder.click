// ARP and ICMP ping responder for one address: answers ARP requests for
// $IP with $MAC and ICMP echo requests to $IP with echo replies. Everything
// else is dropped.
define($IN in.pcap, $OUT out.pcap, $IP 192.0.2.1, $MAC 02:00:00:00:00:01);

out :: ToDump($OUT);

FromDump($IN)
    -> c :: Classifier(12/0806 20/0001, 12/0800, -);

c[0] -> CheckARPHeader(14) -> arp :: ARPResponder($IP $MAC) -> out;

c[1] -> Strip(14)
     -> CheckIPHeader
     -> IPClassifier(dst host $IP and icmp type echo)
     -> ping :: ICMPPingResponder
     -> Unstrip(14)
     -> EtherMirror
     -> out;

c[2] -> Discard;
