using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Conveyor.Hosting;

/// <summary>
/// The data protection key ring, which signs the dashboard's sign-in and antiforgery cookies, kept deliberately: in the
/// data directory's <c>dataprotection-keys/</c> folder, which every API node shares when scaled out (the uploads live
/// there too), under one application name, so a cookie one node issued is read by every other and survives restarts.
/// With <c>Conveyor:DataProtection:CertificateFile</c> the key files are encrypted with that certificate; without it they
/// are plain XML guarded by the folder's permissions (0700), like the SQLite file beside them. Either way the choice is
/// made here, so the framework's warnings about an unpersisted or unencrypted key ring do not fire.
/// </summary>
public static class KeyRing
{
    public const string FolderName = "dataprotection-keys";
    public const string ApplicationName = "Conveyor";

    public static IServiceCollection AddConveyorKeyRing(this IServiceCollection services, ConveyorOptions options)
    {
        var folder = Path.Combine(Path.GetFullPath(options.DataDirectory), FolderName);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var builder = services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToFileSystem(new DirectoryInfo(folder));
        var protection = options.DataProtection;
        if (!string.IsNullOrWhiteSpace(protection.CertificateFile))
            builder.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(protection.CertificateFile, protection.CertificatePassword));
        else
            services.Configure<KeyManagementOptions>(o => o.XmlEncryptor = new NullXmlEncryptor());
        return services;
    }
}
