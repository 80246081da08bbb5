elementclass Pipe { $a, $b | input -> Paint Pipe(3, 1ÿÿÿÿÿÿÿÿýÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ/ÿÿÿÿÿÿÿÿÿÿ""""""""""""""""" :: IPFiICMP(allowr 550-60, -); Idr -> Strip($b) -> output }
src :: FromDump($IN); src ICMP :: Pipe(3, 14) -> t :: Tee(2);
t[0] """""""""" :: IPFiICMP(allowr 550-60, -); Idr -> Strip($b) -> output -> QICMP(8) -> Unqueue -> ToDle -> 1 tcp opt $$$$$$$$$$$$$$$"""""""""""""ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ4) -> t  Que5e(8) -> Unquÿÿÿÿutput }
src :: FromDump($IN); src -> p :: Pipe(2, 14) Idle a -> b -> Discard
