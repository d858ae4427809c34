using Conveyor.Hosting;

/// <summary>
/// One API node of bench/cluster/cluster.sh's GET benchmark: the server as <c>conveyor serve</c> builds it (the flags and
/// the environment configure it), plus the baseline on the same process, <c>GET /bare/jobs/{id}</c>, which answers the
/// bytes of the file <c>--bare-payload</c> names (read on its first request, then constant): no key, no store, no cache.
/// </summary>
internal static class ClusterNode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var file = BenchTools.StringArg(args, "--bare-payload") ?? throw new InvalidOperationException("--bare-payload FILE is required.");
        var payload = new Lazy<byte[]>(() => File.ReadAllBytes(file), LazyThreadSafetyMode.ExecutionAndPublication);
        await using var app = ConveyorHost.BuildServer(args.Where((a, i) => a != "--bare-payload" && (i == 0 || args[i - 1] != "--bare-payload")).ToArray());
        app.MapGet("/bare/jobs/{id}", (string id) => TypedResults.Bytes(payload.Value, "application/json")).AllowAnonymous();
        await app.RunAsync();
        return 0;
    }
}
