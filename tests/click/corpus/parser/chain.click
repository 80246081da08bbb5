// Three-element chain: header check -> firewall -> counter.
define($IN in.pcap, $OUT out.pcap);

FromDump($IN)
    -> Classifier(12/0800)
    -> Strip(14)
    -> check :: CheckIPHeader
    -> fw :: IPFilter(allow tcp dst port 80, allow udp dst port 53, deny all)
    -> count :: Counter
    -> Unstrip(14)
    -> ToDump($OUT);
