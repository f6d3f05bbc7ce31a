// Command masivo-ferretdb runs FerretDB v1 (SQLite backend) embedded through its public
// `ferretdb` package. `go install` of FerretDB's own command panics on start on these machines,
// so the project builds this small program instead (see stack/README.md).
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "", "directory for the SQLite databases")
	flag.Parse()
	if *dir == "" {
		log.Fatal("masivo-ferretdb: -dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatalf("masivo-ferretdb: cannot create %s: %v", *dir, err)
	}

	// Clients reach FerretDB through serveSerialized (serialwrites.go), on the address asked for;
	// FerretDB itself listens on a loopback port of its own.
	internal, err := freeLoopbackAddress()
	if err != nil {
		log.Fatalf("masivo-ferretdb: %v", err)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: internal},
		Handler:  "sqlite",
		// WAL with synchronous=NORMAL: a commit no longer waits for fsync; a crashed process
		// loses nothing, a power cut may lose the last commits (fine for development and tests).
		SQLiteURL: "file:" + *dir + "/?_pragma=synchronous(normal)",
	})
	if err != nil {
		log.Fatalf("masivo-ferretdb: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go keepIDIndexes(ctx, *dir)
	go func() {
		// Bound only once FerretDB answers, so that a client that connects is served.
		waitUntilListening(ctx, internal)
		listener, err := net.Listen("tcp", *listen)
		if err != nil {
			log.Fatalf("masivo-ferretdb: %v", err)
		}
		go func() {
			<-ctx.Done()
			listener.Close()
		}()
		serveSerialized(listener, internal)
	}()

	f.Run(ctx)
}

func waitUntilListening(ctx context.Context, address string) {
	for ctx.Err() == nil {
		if conn, err := net.Dial("tcp", address); err == nil {
			conn.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeLoopbackAddress is a loopback address with a port nobody listens on now.
func freeLoopbackAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
