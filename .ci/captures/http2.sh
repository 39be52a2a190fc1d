#!/usr/bin/env bash
# Makes again the HTTP/2 cleartext captures that Http2PipelineTest reads
# (sensor/src/test/resources/io/spanwatch/sensor/pipeline/h2*.pcap), from real stacks on loopback:
#   h2-prior-nginx.pcap         curl --http2-prior-knowledge and nginx: a download, a gzip-coded page, an upload
#   h2c-upgrade-apache.pcap     curl --http2 (Upgrade: h2c) and Apache's mod_http2: a download, a gzip-coded page
#   h2-serverfirst-nghttpd.pcap nghttp2's server, which sends its SETTINGS before the client's preface; the
#                               client waits half a second before its own, so the capture shows the server first
# Needs root (tcpdump on lo), curl with nghttp2, nginx-light, apache2, nghttp2-server, python3. Writes to OUT
# (default: a new temporary directory) and prints it. Not run by the tests: the captures are shipped.
set -euo pipefail

OUT=${1:-$(mktemp -d /tmp/spanwatch-h2.XXXXXX)}
mkdir -p "$OUT/www" "$OUT/ap"
cd "$OUT"
python3 - <<'EOF'
open('www/dl.bin', 'wb').write(bytes((i * 7 + 3) % 251 for i in range(40000)))
open('www/page.html', 'w').write(''.join('<p>spanwatch http2 test line %d</p>\n' % n for n in range(1000)))
open('up.bin', 'wb').write(bytes((i * 13 + 5) % 253 for i in range(10000)))
EOF

capture() { # FILE PORT: starts tcpdump on lo for PORT
    tcpdump -i lo -w "$OUT/$1" -s 0 "tcp port $2" >/dev/null 2>&1 &
    TCPDUMP=$!
    sleep 1
}
stop_capture() {
    sleep 1
    kill "$TCPDUMP"
    wait "$TCPDUMP" || true
}

# nginx, prior knowledge
cat > nginx.conf <<EOF
daemon off;
worker_processes 1;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $OUT/cbt; proxy_temp_path $OUT/pt; fastcgi_temp_path $OUT/ft;
  uwsgi_temp_path $OUT/ut; scgi_temp_path $OUT/st;
  gzip on; gzip_min_length 10;
  server {
    listen 127.0.0.1:18092 http2;
    root $OUT/www;
    types { text/html html; application/octet-stream bin; }
  }
}
EOF
nginx -c "$OUT/nginx.conf" -p "$OUT" &
NGINX=$!
sleep 1
capture h2-prior-nginx.pcap 18092
curl -s --http2-prior-knowledge -o dl1 http://127.0.0.1:18092/dl.bin
curl -s --http2-prior-knowledge --compressed -o page1 http://127.0.0.1:18092/page.html
curl -s --http2-prior-knowledge -H 'Content-Type: application/octet-stream' --data-binary @up.bin -o /dev/null \
    http://127.0.0.1:18092/upload
stop_capture
kill "$NGINX"

# Apache, Upgrade: h2c
cat > ap/httpd.conf <<EOF
ServerRoot /etc/apache2
PidFile $OUT/ap/httpd.pid
Listen 127.0.0.1:18095
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule http2_module /usr/lib/apache2/modules/mod_http2.so
LoadModule deflate_module /usr/lib/apache2/modules/mod_deflate.so
LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so
ErrorLog $OUT/ap/error.log
ServerName upgrade.test
DocumentRoot $OUT/www
Protocols h2c http/1.1
H2Upgrade on
TypesConfig /etc/mime.types
AddOutputFilterByType DEFLATE text/html
<Directory $OUT/www>
  Require all granted
</Directory>
EOF
/usr/sbin/apache2 -f "$OUT/ap/httpd.conf" -k start
sleep 1
capture h2c-upgrade-apache.pcap 18095
curl -s --http2 -o dl2 http://127.0.0.1:18095/dl.bin
curl -s --http2 --compressed -o page2 http://127.0.0.1:18095/page.html
stop_capture
/usr/sbin/apache2 -f "$OUT/ap/httpd.conf" -k stop

# nghttpd, server first
nghttpd --no-tls -d "$OUT/www" 18094 >/dev/null 2>&1 &
NGHTTPD=$!
sleep 1
capture h2-serverfirst-nghttpd.pcap 18094
python3 - <<'EOF'
import socket, time
def frame(t, flags, sid, payload):
    return len(payload).to_bytes(3, 'big') + bytes([t, flags]) + sid.to_bytes(4, 'big') + payload
def field(index, value):  # literal field without indexing, indexed name, raw value (RFC 7541 6.2.2)
    return bytes([index, len(value)]) + value.encode()
s = socket.create_connection(('127.0.0.1', 18094))
time.sleep(0.5)  # the server's SETTINGS go first
block = bytes([0x82, 0x86]) + field(0x04, '/dl.bin') + field(0x01, '127.0.0.1')  # GET, http, :path, :authority
s.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + frame(4, 0, 0, b'') + frame(1, 0x05, 1, block))
s.settimeout(2)
try:
    while s.recv(65536):
        pass
except socket.timeout:
    pass
s.sendall(frame(7, 0, 0, (1).to_bytes(4, 'big') + (0).to_bytes(4, 'big')))  # GOAWAY
s.close()
EOF
stop_capture
kill "$NGHTTPD"

cmp dl1 www/dl.bin && cmp dl2 www/dl.bin && cmp page1 www/page.html && cmp page2 www/page.html
echo "$OUT"
