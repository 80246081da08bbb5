FromDump($IN) -> CheckIPHeader(14) -> f :: IPFilter(allow src host 1.2.3.4 or 5.6.7.8, 1 tcp opt syn && !(tcp opt ack), 2 dst port > 1023 and ip ttl < 5, 3 icmp type != echo, deny not ip frag)
-> ToDump($OUT); f[1] -> Discard; f[2] -> Discard; f[3] -> Discard
c :: IPClassifier(dst net 10.0.0.0 mask 255.0.0.0, udp port 50-60, -); Idle -> c; c[0] -> Discard; c[1] -> Discard; c[2] -> Discard
