using System.Diagnostics;

namespace Conveyor.Sessions.Tests.Infrastructure;

/// <summary>
/// Real speech for the engine tests, spoken by espeak-ng and converted by sox, and the real pocketsphinx engine.
/// ./test.sh installs them from Debian's packages; without them these tests fail (never skip), so a CI run cannot
/// turn green without the engine.
/// </summary>
public sealed class Speech : IDisposable
{
    public const string Sentence = "the quick brown fox jumps over the lazy dog";

    /// <summary>pocketsphinx 5prealpha (Debian 12): <c>pocketsphinx_continuous -infile</c> on 16 kHz mono WAV; text on stdout.</summary>
    public static readonly string[] Pocketsphinx = ["pocketsphinx_continuous", "-infile", "{input}"];

    public Speech()
    {
        foreach (var tool in new[] { "espeak-ng", "sox", "pocketsphinx_continuous" })
        {
            if (Which(tool) is null)
                throw new InvalidOperationException($"{tool} is not installed: run the tests through ./test.sh, which installs pocketsphinx, pocketsphinx-en-us, espeak-ng and sox.");
        }
        if (!System.IO.Directory.Exists("/usr/share/pocketsphinx/model/en-us"))
            throw new InvalidOperationException("pocketsphinx-en-us is not installed: run the tests through ./test.sh.");
        Directory = System.IO.Directory.CreateTempSubdirectory("conveyor-speech-").FullName;
        Run("espeak-ng", "-w", Path("spoken.wav"), Sentence);
        // sox -R: repeatable dither, so each run makes the same bytes and pocketsphinx hears the same words.
        Run("sox", "-R", Path("spoken.wav"), "-r", "16000", "-c", "1", "-b", "16", Path("speech16k.wav"));
        Run("sox", "-R", Path("spoken.wav"), Path("spoken.flac"));
        Run("sox", "-R", Path("spoken.wav"), "-C", "6", Path("spoken.ogg"));
        Run("sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", Path("silence.wav"), "trim", "0", "1");
        // Names without the format's extension, as uploads are stored: the bytes say what they are.
        File.Copy(Path("spoken.flac"), Path("upload-1"));
        File.Copy(Path("spoken.ogg"), Path("upload-2"));
    }

    public string Directory { get; }

    /// <summary>espeak-ng's own output: 22,050 Hz mono, which pocketsphinx cannot read as it is.</summary>
    public string Spoken22k => Path("spoken.wav");

    public string Speech16k => Path("speech16k.wav");

    public string Flac => Path("upload-1");

    public string Ogg => Path("upload-2");

    public string Silence => Path("silence.wav");

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    public static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Where(d => d.Length > 0).Select(d => System.IO.Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {stderr}");
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
