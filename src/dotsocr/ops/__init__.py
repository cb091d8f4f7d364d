"""Operations around the engines: machine checks, server launch, benchmarks, cost."""
