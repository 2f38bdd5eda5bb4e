// SPDX-License-Identifier: GPL-2.0
//
// portown-goweb: a web server in the shape of a Go service such as Caddy,
// built static (CGO_ENABLED=0), so that LD_PRELOAD, and with it authbind,
// does nothing for it. It listens on -addr and serves one page that names
// -mark and the uid it runs as. A failed listen prints Go's error (for
// example "listen tcp :80: bind: permission denied") and exits 1.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", ":80", "TCP address to listen on")
	mark := flag.String("mark", "portown-goweb-page", "text the page carries")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "portown-goweb: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "portown-goweb: uid %d listening on %s\n",
		os.Getuid(), ln.Addr())
	page := fmt.Sprintf("%s served by a static Go binary as uid %d\n",
		*mark, os.Getuid())
	err = http.Serve(ln, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, page)
		}))
	fmt.Fprintf(os.Stderr, "portown-goweb: %v\n", err)
	os.Exit(1)
}
