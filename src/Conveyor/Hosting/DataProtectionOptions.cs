namespace Conveyor.Hosting;

/// <summary>The <c>Conveyor:DataProtection</c> section: how the key ring that signs the dashboard's cookies is kept at rest.</summary>
public sealed class DataProtectionOptions
{
    public const string Section = "Conveyor:DataProtection";

    /// <summary>A PKCS#12 (.pfx) certificate that encrypts the key ring's files; empty: the files rely on the folder's permissions.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The certificate file's password, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    public IEnumerable<string> Validate()
    {
        if (!string.IsNullOrWhiteSpace(CertificateFile) && !File.Exists(CertificateFile))
            yield return $"{Section}:CertificateFile names a file that does not exist.";
    }
}
