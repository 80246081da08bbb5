// The firewall in front of tenant a's memcached (host/default.manifest,
// nf=fw-a.click; docs/clicknf.md). It drops frames from 192.0.2.0/24 (a
// stand-in for a blocked network) and UDP from source port 11211
// (memcached replies reflected at us: the amplification attack), and
// passes everything else. edgeosctl uploads this file with the manifest;
// the control plane runs it as the clicknf template a/mc.nf1 in tenant a.
FromDevice(in)
    -> Classifier(12/0800)
    -> Strip(14)
    -> CheckIPHeader
    -> src :: IPFilter(allow not src net 192.0.2.0/24)
    -> port :: IPFilter(allow not udp src port 11211)
    -> Unstrip(14)
    -> passed :: Counter
    -> ToDevice(out);
