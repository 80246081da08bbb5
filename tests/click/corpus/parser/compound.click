elementclass Pipe { $a, $b | input -> Paint($a) -> c :: Counter -> Strip($b) -> output }
src :: FromDump($IN); src -> p :: Pipe(3, 14) -> t :: Tee(2);
t[0] -> Queue(8) -> Unqueue -> ToDump($OUT); t[1] -> { input -> Discard }
a, b :: Counter; Idle -> a -> b -> Discard
