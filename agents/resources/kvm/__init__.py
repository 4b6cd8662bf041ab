"""KVM/QEMU resource through libvirt-python."""
