namespace Conveyor.Core;

/// <summary>Walks the whole chain page by page, so a long log verifies in flat memory.</summary>
public static class AuditVerifier
{
    /// <summary>How many events held, and the first broken link (null when the whole chain holds).</summary>
    /// <param name="readPage">Reads up to <c>limit</c> events after <c>afterSeq</c>, in <c>seq</c> order (a store's <c>ReadAuditChainAsync</c>).</param>
    public static async Task<(long Checked, AuditBreak? Break)> VerifyAsync(
        Func<long, int, CancellationToken, Task<IReadOnlyList<AuditEvent>>> readPage, CancellationToken ct, int pageSize = 1000)
    {
        long after = 0, count = 0;
        var prevHash = AuditChain.Genesis;
        while (true)
        {
            var page = await readPage(after, pageSize, ct);
            if (page.Count == 0) return (count, null);
            var broken = AuditChain.Verify(page, after, prevHash);
            if (broken is not null) return (count, broken);
            count += page.Count;
            after = page[^1].Seq;
            prevHash = page[^1].Hash;
        }
    }
}
