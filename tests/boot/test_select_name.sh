#!/usr/bin/env bash
# Selection by MAC vs by hostname/domain: node1's group selects its MAC;
# node2's group selects hostname + domain, which reach /ipxe only through
# DHCP options 12 and 15 of its reservation (iPXE's ${hostname}, ${domain}
# in the /boot.ipxe chain). Each node must boot its own profile.
set -u
. "$(dirname "$0")/lib.sh"
M1=52:54:00:be:ef:21
M2=52:54:00:be:ef:22
boot_setup
boot_config "    - id: byname
      kernel: /assets/vmlinuz
      initrd: [/assets/initramfs.cpio.gz]
      args: [console=ttyS0, panic=-1, bootbox.tag=byname]
  groups:
    - id: node1-by-mac
      profile: testnode
      selector: { mac: \"$M1\" }
    - id: by-hostname
      profile: byname
      selector: { hostname: nodeb, domain: lab.ring0.lan }
machines:
  - name: node1
    mac: $M1
  - name: nodeb
    mac: $M2
    ip: 192.168.2.20
    domain: lab.ring0.lan"
boot_serve
boot_qemu node1 "$M1" bios
Q1=$QEMU_PID
boot_qemu node2 "$M2" bios
Q2=$QEMU_PID
QEMU_PID=$Q1
boot_wait_callback node1 "$M1" 240 && ok "node1 booted" || bad "node1 boot"
QEMU_PID=$Q2
boot_wait_callback node2 "$M2" 240 && ok "node2 booted" || bad "node2 boot"
grep -q "callback ok .* args=default" "$W/node1.console" && ok "node1 selected by MAC (profile testnode)" || bad "node1 profile"
grep -q "callback ok .* args=byname" "$W/node2.console" && ok "node2 selected by hostname + domain (profile byname)" || bad "node2 profile"
grep -q "lease 192.168.2.20 hostname=nodeb" "$W/node2.console" && ok "node2 got its reservation with option 12" || bad "node2 lease/hostname"
grep -q "nodeb is booting profile byname (group by-hostname)" "$BB_LOG" && ok "bootbox logged the hostname group" || bad "group log"
finish
