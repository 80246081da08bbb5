// Bridge: forward every frame unchanged from the input to the output.
// Run: click-run bridge.click --param IN=in.pcap --param OUT=out.pcap
define($IN in.pcap, $OUT out.pcap);

FromDump($IN)
    -> count :: Counter
    -> queue :: Queue(1024)
    -> ToDump($OUT);
