// descriptor writes the FileDescriptorProto that the fleeting library registers for its InstanceGroup service,
// exactly as it is compiled into every program that links the library (GitLab Runner included), so that
// sandboxer's hand-written fleeting.proto can be compared with it field by field.
//
//	descriptor OUT_FILE   -> OUT_FILE holds the binary FileDescriptorProto; stdout names the file and service
package main

import (
	"fmt"
	"os"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The public plugin package links the generated InstanceGroup code (an internal package of the module).
	_ "gitlab.com/gitlab-org/fleeting/fleeting/plugin"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: descriptor OUT_FILE")
		os.Exit(2)
	}
	var found protoreflect.FileDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			if fd.Services().Get(i).Name() == "InstanceGroup" {
				found = fd
				return false
			}
		}
		return true
	})
	if found == nil {
		fmt.Fprintln(os.Stderr, "descriptor: no registered file declares an InstanceGroup service")
		os.Exit(1)
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(protodesc.ToFileDescriptorProto(found))
	if err != nil {
		fmt.Fprintln(os.Stderr, "descriptor:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], raw, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "descriptor:", err)
		os.Exit(1)
	}
	fmt.Printf("{\"file\":%q,\"package\":%q}\n", found.Path(), found.Package())
}
