namespace Conveyor.Core;

/// <summary>Walks the whole chain page by page, so a long log verifies in flat memory.</summary>
public static class AuditVerifier
{
    /// <summary>How many events held before the first broken link, and that link (null when the whole chain holds).</summary>
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
            // The events of this page before the broken one held too.
            if (broken is not null) return (count + page.TakeWhile(e => e.Seq != broken.Seq || e.Id != broken.Id).Count(), broken);
            count += page.Count;
            after = page[^1].Seq;
            prevHash = page[^1].Hash;
        }
    }
}
