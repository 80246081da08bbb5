define($X 5)
FromDevice(in) -> Classifier(12/0806 20/0001, 12/0800, -) => Discard
rw :: IPRewriter(pattern 1.1.1.1 1024-2000 - - 0 1, drop, keep 0 1, pass 1)
Idle -> HashSwitch(0, 4) -> RoundRobinSwitch -> ARPQuerier(1.2.3.4, 1:2:3:4:5:6) -> Print("x, y", $X) -> Discard
Idle -> [1]ARPQuerier@9; Idle -> IPRateMonitor(BYTES, 0.5, 100, WINDOW 0.1) -> DecIPTTL -> SetIPChecksum -> ICMPPingResponder -> EtherMirror -> Discard
