#include "signatures/packet/variables.h"

namespace soc::packet {

Variables Variables::defaults() {
  Variables v;
  v.set("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
  v.set("EXTERNAL_NET", "!$HOME_NET");
  for (const char* name :
       {"HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS", "TELNET_SERVERS",
        "AIM_SERVERS", "DC_SERVERS", "DNP3_SERVER", "DNP3_CLIENT", "MODBUS_CLIENT", "MODBUS_SERVER",
        "ENIP_CLIENT", "ENIP_SERVER"}) {
    v.set(name, "$HOME_NET");
  }
  v.set("HTTP_PORTS", "80");
  v.set("SHELLCODE_PORTS", "!80");
  v.set("ORACLE_PORTS", "1521");
  v.set("SSH_PORTS", "22");
  v.set("DNP3_PORTS", "20000");
  v.set("MODBUS_PORTS", "502");
  v.set("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]");
  v.set("FTP_PORTS", "21");
  v.set("GENEVE_PORTS", "6081");
  v.set("VXLAN_PORTS", "4789");
  v.set("TEREDO_PORTS", "3544");
  return v;
}

const std::string* Variables::find(std::string_view name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

}  // namespace soc::packet
