// Command masivo-ferretdb runs FerretDB v1 (SQLite backend) embedded through its public
// `ferretdb` package. `go install` of FerretDB's own command panics on start on these machines,
// so the project builds this small program instead (see stack/README.md).
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

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

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
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

	f.Run(ctx)
}
