/* several errors */
x :: Queue(-1) -> y :: Queue -> Discard
Idle -> Foo -> [3] z :: Counter
