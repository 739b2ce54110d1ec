builtins.functionArgs ({ a ? throw "d" }: a)
