// Command agent is the tiny program inside dockerapi's test image. Its
// arguments are a sequence of steps, run in order:
//
//	cat PATH          print the file
//	stat PATH         print "PATH mode=0640 uid=1000 gid=1000"
//	env KEY           print "KEY=value"
//	groups            print the Groups line of /proc/self/status
//	ping-docker       GET /_ping on /var/run/docker.sock, print the status line
//	lines N           print "out i" to stdout and "err i" to stderr, i = 1..N
//	alloc             allocate memory until killed
//	serve PORT FILE   on each TCP connection write "hello\n" and FILE; runs until SIGTERM
//	sleep             wait for SIGTERM
//	exit CODE         exit with CODE
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	args := os.Args[1:]
	next := func() string {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "missing argument")
			os.Exit(100)
		}
		a := args[0]
		args = args[1:]
		return a
	}
	for len(args) > 0 {
		switch step := next(); step {
		case "cat":
			b, err := os.ReadFile(next())
			check(err)
			os.Stdout.Write(b)
		case "stat":
			p := next()
			fi, err := os.Stat(p)
			check(err)
			st := fi.Sys().(*syscall.Stat_t)
			fmt.Printf("%s mode=%04o uid=%d gid=%d\n", p, fi.Mode().Perm(), st.Uid, st.Gid)
		case "env":
			k := next()
			fmt.Printf("%s=%s\n", k, os.Getenv(k))
		case "groups":
			b, err := os.ReadFile("/proc/self/status")
			check(err)
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "Groups:") {
					fmt.Println(strings.Join(strings.Fields(l), " "))
				}
			}
		case "ping-docker":
			c, err := net.Dial("unix", "/var/run/docker.sock")
			check(err)
			fmt.Fprint(c, "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
			line, err := bufio.NewReader(c).ReadString('\n')
			check(err)
			fmt.Println("docker:", strings.TrimSpace(line))
			c.Close()
		case "lines":
			n, err := strconv.Atoi(next())
			check(err)
			for i := 1; i <= n; i++ {
				fmt.Fprintf(os.Stdout, "out %d\n", i)
				fmt.Fprintf(os.Stderr, "err %d\n", i)
			}
		case "alloc":
			var hold [][]byte
			for {
				b := make([]byte, 1<<20)
				for i := range b {
					b[i] = 1
				}
				hold = append(hold, b)
			}
		case "serve":
			port, file := next(), next()
			l, err := net.Listen("tcp", ":"+port)
			check(err)
			fmt.Println("serving on", port)
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					b, _ := os.ReadFile(file)
					c.Write(append([]byte("hello\n"), b...))
					c.Close()
				}
			}()
			<-term
			os.Exit(0)
		case "sleep":
			<-term
			os.Exit(0)
		case "exit":
			code, err := strconv.Atoi(next())
			check(err)
			os.Exit(code)
		default:
			fmt.Fprintln(os.Stderr, "unknown step", step)
			os.Exit(100)
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(101)
	}
}
