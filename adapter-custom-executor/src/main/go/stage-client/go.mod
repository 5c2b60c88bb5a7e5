// The run stage's native client (see main.go). The standard library only: nothing to download, no go.sum.
module sandboxer.io/stage-client

go 1.22
