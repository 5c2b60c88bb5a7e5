package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An agent that takes DELETE and never answers (hung) must not hang cleanup: after the limit the deletion has failed,
// with the reason, and is not a silent hand-over (cleanup says why, then deletes by itself).
func TestDeleteOnAHungAgentFailsAfterTheLimit(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "agent.sock")
	listener, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	received := make(chan frame, 1)
	hung := make(chan struct{})
	defer close(hung)
	go func() {
		conn, err := listener.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		f, err := readFrame(conn)
		if err == nil {
			received <- f
		}
		<-hung // holds the connection open without a word until the test ends
	}()
	deleteAnswerLimit = 300 * time.Millisecond
	_, err = deleteOnAgent(socket, "sandboxer-j1-0123456789ab")
	if err == nil || !strings.Contains(err.Error(), "did not answer within 300 ms") {
		t.Fatalf("want a failure naming the limit, got %v", err)
	}
	if _, silent := err.(handOver); silent {
		t.Fatalf("a hung agent is a failure to report, not a silent hand-over: %v", err)
	}
	if got := inWords(60 * time.Second); got != "60 s" {
		t.Fatalf("the default limit reads %q, not as the JVM path says it", got)
	}
	if f := <-received; f.kind != frameDelete || string(f.payload) != "sandboxer-j1-0123456789ab" {
		t.Fatalf("the agent was asked %c %q", f.kind, f.payload)
	}
}
