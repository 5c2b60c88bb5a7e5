package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// The agent's socket protocol (AgentProtocol): frames of one type byte, a 4-byte big-endian length and that many
// bytes. The client sends RUN (the sub-stage) and SCRIPT, perhaps CANCEL; the agent answers STARTED, OUT and ERR as
// the output arrives, and EXIT (the status) or FAILED (why). Closing the socket before EXIT means cancel. cleanup
// sends DELETE (the sandbox); the agent answers DELETED (one byte: 1 when there was a sandbox) or FAILED.
const (
	frameRun     = 'R'
	frameScript  = 'S'
	frameCancel  = 'C'
	frameStarted = 's'
	frameOut     = 'o'
	frameErr     = 'e'
	frameExit    = 'x'
	frameFailed  = 'f'
	frameDelete  = 'D'
	frameDeleted = 'd'
	// A larger frame is a confused or hostile peer (AgentProtocol.MAX_FRAME).
	maxFrame = 64 * 1024 * 1024
)

type outcomeKind int

const (
	unavailable outcomeKind = iota // nothing ran: the JVM path may run it
	exited
	failed    // the script started, the agent could not see it through
	cancelled // SIGTERM or SIGINT
)

type outcome struct {
	kind outcomeKind
	code int
	why  string
}

type frame struct {
	kind    byte
	payload []byte
}

// runOnAgent is AgentClient.run with the JVM's Cancellation: a signal sends CANCEL and closes the socket, and the
// agent stops the script's process group.
func runOnAgent(socket, stage string, script []byte, stdout, stderr io.Writer, signals <-chan os.Signal) outcome {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		return outcome{kind: unavailable, why: "the job's connection agent is not running (" + err.Error() + ")"}
	}
	defer conn.Close()
	if err := writeFrame(conn, frameRun, []byte(stage)); err != nil {
		return outcome{kind: unavailable, why: "the connection agent went away: " + err.Error()}
	}
	if err := writeFrame(conn, frameScript, script); err != nil {
		return outcome{kind: unavailable, why: "the connection agent went away: " + err.Error()}
	}
	frames := make(chan frame)
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := readFrame(conn)
			if err != nil {
				readErr <- err
				return
			}
			frames <- f
		}
	}()
	started := false
	for {
		select {
		case <-signals:
			say("cancelled (SIGTERM): stopping")
			_ = writeFrame(conn, frameCancel, nil)
			return outcome{kind: cancelled}
		case err := <-readErr:
			why := "the connection agent went away: " + err.Error()
			if started {
				return outcome{kind: failed, why: why}
			}
			return outcome{kind: unavailable, why: why}
		case f := <-frames:
			switch f.kind {
			case frameStarted:
				started = true
			case frameOut:
				_, _ = stdout.Write(f.payload)
			case frameErr:
				_, _ = stderr.Write(f.payload)
			case frameExit:
				if len(f.payload) != 4 {
					return outcome{kind: failed, why: "the agent sent an exit status of " + fmt.Sprint(len(f.payload)) + " bytes"}
				}
				return outcome{kind: exited, code: int(int32(binary.BigEndian.Uint32(f.payload)))}
			case frameFailed:
				if started {
					return outcome{kind: failed, why: string(f.payload)}
				}
				return outcome{kind: unavailable, why: "the job's connection agent did not take the script (" + string(f.payload) + ")"}
			default:
				why := fmt.Sprintf("the agent sent an unknown frame type %d", f.kind)
				if started {
					return outcome{kind: failed, why: why}
				}
				return outcome{kind: unavailable, why: why}
			}
		}
	}
}

// deleteAnswerLimit is AgentClient.DELETE_ANSWER_LIMIT: a hung agent must not hang cleanup.
var deleteAnswerLimit = 60 * time.Second

// deleteOnAgent asks the agent to delete the sandbox and stop: whether there was one, a handOver error when no agent
// listens, another error when the agent could not delete, broke off or did not answer in time.
func deleteOnAgent(socket, sandbox string) (bool, error) {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		return false, handOver{why: "the job's connection agent is not running (" + err.Error() + ")"}
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(deleteAnswerLimit))
	gone := func(err error) error {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("the connection agent did not answer within %s", inWords(deleteAnswerLimit))
		}
		return fmt.Errorf("the connection agent went away: %w", err)
	}
	if err := writeFrame(conn, frameDelete, []byte(sandbox)); err != nil {
		return false, gone(err)
	}
	f, err := readFrame(conn)
	if err != nil {
		return false, gone(err)
	}
	switch f.kind {
	case frameDeleted:
		return len(f.payload) == 1 && f.payload[0] == 1, nil
	case frameFailed:
		return false, fmt.Errorf("%s", f.payload)
	default:
		return false, fmt.Errorf("the agent sent an unknown frame type %d", f.kind)
	}
}

// inWords is a limit as AgentClient says it: "60 s", "300 ms" (Go's own "1m0s" would differ between the two paths).
func inWords(limit time.Duration) string {
	if limit%time.Second == 0 {
		return fmt.Sprintf("%d s", limit/time.Second)
	}
	return fmt.Sprintf("%d ms", limit/time.Millisecond)
}

func writeFrame(w io.Writer, kind byte, payload []byte) error {
	buf := make([]byte, 5+len(payload))
	buf[0] = kind
	binary.BigEndian.PutUint32(buf[1:5], uint32(len(payload)))
	copy(buf[5:], payload)
	_, err := w.Write(buf)
	return err
}

func readFrame(r io.Reader) (frame, error) {
	var header [5]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		if err == io.EOF {
			return frame{}, fmt.Errorf("the peer closed the connection")
		}
		return frame{}, err
	}
	length := binary.BigEndian.Uint32(header[1:])
	if length > maxFrame {
		return frame{}, fmt.Errorf("a frame of %d bytes is not allowed", length)
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return frame{}, err
	}
	return frame{kind: header[0], payload: payload}, nil
}
