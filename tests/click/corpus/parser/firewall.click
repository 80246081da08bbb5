// Firewall: ARP passes; IPv4 passes only for a few services (SSH, HTTP,
// HTTPS and DNS to the server network, ICMP echo); everything else, and any
// malformed or non-IP frame, is dropped.
define($IN in.pcap, $OUT out.pcap, $SERVERS 10.0.0.0/24);

out :: ToDump($OUT);

FromDump($IN)
    -> eth :: Classifier(12/0806, 12/0800, -);

eth[0] -> out;                               // ARP
eth[2] -> nonip :: Discard;                  // other link-layer types

eth[1]
    -> Strip(14)
    -> check :: CheckIPHeader
    -> filter :: IPFilter(
           allow dst net $SERVERS && tcp && dst port ssh,
           allow dst net $SERVERS && tcp && (dst port 80 or dst port 443),
           allow dst net $SERVERS && udp dst port 53,
           allow icmp type echo,
           deny all)
    -> Unstrip(14)
    -> passed :: Counter
    -> out;
