package main

import (
	"encoding/binary"
	"errors"
	"io"
	"log"
	"net"
	"sync"
)

// FerretDB v1 updates a document by reading it, applying the update in Go and writing the whole
// document back, in separate steps: two updates of one document at once lose one of them (two
// `$inc`s of 300 each ended at 230). MongoDB applies each update atomically, and Masivo relies on
// it (counters, compare-and-set on versions). So the clients' port is served by this proxy, which
// lets one read-modify-write command through at a time; every other command passes freely.

// readModifyWrite names the commands FerretDB carries out as a read, then a write.
var readModifyWrite = map[string]bool{"update": true, "findAndModify": true, "findandmodify": true}

const (
	opMsg       = 2013
	moreToCome  = 1 << 1
	maxMessage  = 48_000_000
	headerBytes = 16
)

// serveSerialized accepts clients on `listener` and relays each to FerretDB at `upstream`.
func serveSerialized(listener net.Listener, upstream string) {
	var writes sync.Mutex
	for {
		client, err := listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Printf("masivo-ferretdb: accept: %v", err)
			continue
		}
		go relay(client, upstream, &writes)
	}
}

// relay passes one client's requests to FerretDB and its answers back, one request at a time (a
// MongoDB client waits for each answer on a connection), holding `writes` around read-modify-writes.
func relay(client net.Conn, upstream string, writes *sync.Mutex) {
	defer client.Close()
	server, err := net.Dial("tcp", upstream)
	if err != nil {
		log.Printf("masivo-ferretdb: cannot reach FerretDB: %v", err)
		return
	}
	defer server.Close()
	for {
		request, err := readMessage(client)
		if err != nil {
			return
		}
		serial := readModifyWrite[commandName(request)]
		if serial {
			writes.Lock()
		}
		err = exchange(request, client, server)
		if serial {
			writes.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// exchange sends a request and relays its answers (several when the server streams them).
func exchange(request []byte, client, server net.Conn) error {
	if _, err := server.Write(request); err != nil {
		return err
	}
	if flags(request)&moreToCome != 0 {
		return nil // the client expects no answer
	}
	for {
		answer, err := readMessage(server)
		if err != nil {
			return err
		}
		if _, err := client.Write(answer); err != nil {
			return err
		}
		if flags(answer)&moreToCome == 0 {
			return nil
		}
	}
}

func readMessage(conn net.Conn) ([]byte, error) {
	var header [headerBytes]byte
	if _, err := io.ReadFull(conn, header[:]); err != nil {
		return nil, err
	}
	length := int(binary.LittleEndian.Uint32(header[0:4]))
	if length < headerBytes || length > maxMessage {
		return nil, errors.New("masivo-ferretdb: malformed message length")
	}
	message := make([]byte, length)
	copy(message, header[:])
	if _, err := io.ReadFull(conn, message[headerBytes:]); err != nil {
		return nil, err
	}
	return message, nil
}

func opCode(message []byte) uint32 { return binary.LittleEndian.Uint32(message[12:16]) }

// flags are an OP_MSG's flag bits; other messages have none.
func flags(message []byte) uint32 {
	if opCode(message) != opMsg || len(message) < headerBytes+4 {
		return 0
	}
	return binary.LittleEndian.Uint32(message[headerBytes : headerBytes+4])
}

// commandName is the first key of an OP_MSG's body (section kind 0); "" for anything else.
func commandName(message []byte) string {
	body := headerBytes + 4 // header, flag bits
	// kind byte, document length (int32), element type byte, then the key as a C string
	start := body + 1 + 4 + 1
	if opCode(message) != opMsg || len(message) <= start || message[body] != 0 {
		return ""
	}
	for end := start; end < len(message); end++ {
		if message[end] == 0 {
			return string(message[start:end])
		}
	}
	return ""
}
