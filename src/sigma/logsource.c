/*
 * Sigma log-source mapping for Windows (the table pySigma's Windows pipelines use) and
 * for network products (zeek services are "zeek/<log type>" channels; docs/network.md).
 * Categories are resolved to event bits by lw_event_normalize(); services are channels.
 */
#include "logsource.h"

#include <stdio.h>

typedef struct service_row {
    const char *service;
    const char *channels[LW_LOGSOURCE_MAX_CHANNELS];
} service_row;

/* product: windows, service: X  ->  Channel is one of these. */
static const service_row windows_services[] = {
    {"security", {"Security"}},
    {"system", {"System"}},
    {"application", {"Application"}},
    {"sysmon", {"Microsoft-Windows-Sysmon/Operational"}},
    {"powershell", {"Microsoft-Windows-PowerShell/Operational"}},
    {"powershell-classic", {"Windows PowerShell"}},
    {"taskscheduler", {"Microsoft-Windows-TaskScheduler/Operational"}},
    {"wmi", {"Microsoft-Windows-WMI-Activity/Operational"}},
    {"dns-server", {"DNS Server"}},
    {"dns-server-analytic", {"Microsoft-Windows-DNS-Server/Analytical"}},
    {"dns-server-audit", {"Microsoft-Windows-DNS-Server/Audit"}},
    {"dns-client", {"Microsoft-Windows-DNS Client Events/Operational"}},
    {"driver-framework", {"Microsoft-Windows-DriverFrameworks-UserMode/Operational"}},
    {"ntlm", {"Microsoft-Windows-NTLM/Operational"}},
    {"dhcp", {"Microsoft-Windows-DHCP-Server/Operational"}},
    {"msexchange-management", {"MSExchange Management"}},
    {"applocker",
     {"Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/EXE and DLL",
      "Microsoft-Windows-AppLocker/Packaged app-Deployment",
      "Microsoft-Windows-AppLocker/Packaged app-Execution"}},
    {"printservice-admin", {"Microsoft-Windows-PrintService/Admin"}},
    {"printservice-operational", {"Microsoft-Windows-PrintService/Operational"}},
    {"codeintegrity-operational", {"Microsoft-Windows-CodeIntegrity/Operational"}},
    {"smbclient-security", {"Microsoft-Windows-SmbClient/Security"}},
    {"smbclient-connectivity", {"Microsoft-Windows-SmbClient/Connectivity"}},
    {"smbserver-connectivity", {"Microsoft-Windows-SMBServer/Connectivity"}},
    {"firewall-as", {"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"}},
    {"bits-client", {"Microsoft-Windows-Bits-Client/Operational"}},
    {"windefend", {"Microsoft-Windows-Windows Defender/Operational"}},
    {"terminalservices-localsessionmanager",
     {"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"}},
    {"microsoft-servicebus-client", {"Microsoft-ServiceBus-Client"}},
    {"servicebus-client", {"Microsoft-ServiceBus-Client"}},
    {"ldap_debug", {"Microsoft-Windows-LDAP-Client/Debug"}},
    {"ldap", {"Microsoft-Windows-LDAP-Client/Debug"}},
    {"security-mitigations",
     {"Microsoft-Windows-Security-Mitigations/Kernel Mode",
      "Microsoft-Windows-Security-Mitigations/User Mode"}},
    {"diagnosis-scripted", {"Microsoft-Windows-Diagnosis-Scripted/Operational"}},
    {"shell-core", {"Microsoft-Windows-Shell-Core/Operational"}},
    {"openssh", {"OpenSSH/Operational"}},
    {"bitlocker", {"Microsoft-Windows-BitLocker/BitLocker Management"}},
    {"vhdmp", {"Microsoft-Windows-VHDMP/Operational"}},
    {"appxdeployment-server", {"Microsoft-Windows-AppXDeploymentServer/Operational"}},
    {"lsa-server", {"Microsoft-Windows-LSA/Operational"}},
    {"appxpackaging-om", {"Microsoft-Windows-AppxPackaging/Operational"}},
    {"appmodel-runtime", {"Microsoft-Windows-AppModel-Runtime/Admin"}},
    {"capi2", {"Microsoft-Windows-CAPI2/Operational"}},
    {"certificateservicesclient-lifecycle-system",
     {"Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"}},
    {"iis-configuration", {"Microsoft-IIS-Configuration/Operational"}},
    {"hyper-v-worker", {"Microsoft-Windows-Hyper-V-Worker"}},
    {"kernel-shimengine",
     {"Microsoft-Windows-Kernel-ShimEngine/Operational",
      "Microsoft-Windows-Kernel-ShimEngine/Diagnostic"}},
    {"sense", {"Microsoft-Windows-SENSE/Operational"}},
    {"ntfs", {"Microsoft-Windows-Ntfs/Operational"}},
    {"rdp-core", {"Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational"}},
    {"winrm", {"Microsoft-Windows-WinRM/Operational"}},
};

/* product: zeek, service: X  ->  Channel "zeek/X" (the Zeek log path; docs/network.md).
 * The log types Zeek ships; a rule naming another is rejected rather than matching
 * nothing. */
static const char *const zeek_services[] = {
    "zeek/conn",
    "zeek/dns",
    "zeek/http",
    "zeek/files",
    "zeek/ssl",
    "zeek/x509",
    "zeek/pe",
    "zeek/notice",
    "zeek/weird",
    "zeek/smb_files",
    "zeek/smb_mapping",
    "zeek/dce_rpc",
    "zeek/kerberos",
    "zeek/rdp",
    "zeek/ntlm",
    "zeek/ssh",
    "zeek/smtp",
    "zeek/ftp",
    "zeek/dhcp",
    "zeek/software",
    "zeek/tunnel",
    "zeek/dpd",
    "zeek/analyzer",
    "zeek/known_hosts",
    "zeek/known_services",
    "zeek/known_certs",
    "zeek/intel",
    "zeek/irc",
    "zeek/mysql",
    "zeek/radius",
    "zeek/sip",
    "zeek/snmp",
    "zeek/socks",
    "zeek/syslog",
    "zeek/modbus",
    "zeek/dnp3",
    "zeek/packet_filter",
    "zeek/signatures",
    "zeek/ocsp",
    "zeek/x509_ocsp",
};

static lw_status zeek_service(lw_str service, lw_logsource *out, char *why, size_t why_len)
{
    for (size_t i = 0; i < sizeof zeek_services / sizeof zeek_services[0]; i++) {
        if (lw_str_ieq_c(service, zeek_services[i] + 5)) {
            out->channels[out->nchannels++] = zeek_services[i];
            return LW_OK;
        }
    }
    lw_fmt(why, why_len, "unsupported logsource service '%.*s' for product zeek", (int)service.n,
           service.p);
    return LW_ERULE;
}

lw_status lw_logsource_compile(lw_str product, lw_str category, lw_str service, lw_logsource *out,
                               char *why, size_t why_len)
{
    *out = (lw_logsource){0};
    if (product.n) {
        if (lw_str_ieq_c(product, "windows")) {
            out->product = LW_PRODUCT_WINDOWS;
        } else if (lw_str_ieq_c(product, "zeek")) {
            out->product = LW_PRODUCT_ZEEK;
        } else if (lw_str_ieq_c(product, "suricata")) {
            out->product = LW_PRODUCT_SURICATA;
        } else {
            lw_fmt(why, why_len, "unsupported logsource product '%.*s'", (int)product.n, product.p);
            return LW_ERULE;
        }
    }
    if (category.n) {
        lw_category c = lw_category_from_name(category);
        if (c == LW_CAT_NONE) {
            lw_fmt(why, why_len, "unsupported logsource category '%.*s'", (int)category.n,
                   category.p);
            return LW_ERULE;
        }
        out->cats = 1ULL << c;
    }
    if (service.n && out->product == LW_PRODUCT_ZEEK)
        return zeek_service(service, out, why, why_len);
    if (service.n) {
        if (out->product != LW_PRODUCT_WINDOWS) {
            lw_fmt(why, why_len,
                   "unsupported logsource service '%.*s' (services are mapped for products "
                   "windows and zeek only)",
                   (int)service.n, service.p);
            return LW_ERULE;
        }
        for (size_t i = 0; i < sizeof windows_services / sizeof windows_services[0]; i++) {
            const service_row *row = &windows_services[i];
            if (!lw_str_ieq_c(service, row->service))
                continue;
            for (unsigned k = 0; k < LW_LOGSOURCE_MAX_CHANNELS && row->channels[k]; k++)
                out->channels[out->nchannels++] = row->channels[k];
            return LW_OK;
        }
        lw_fmt(why, why_len, "unsupported logsource service '%.*s'", (int)service.n, service.p);
        return LW_ERULE;
    }
    if (!product.n && !category.n) {
        lw_fmt(why, why_len, "logsource names no product, category or service");
        return LW_ERULE;
    }
    return LW_OK;
}
