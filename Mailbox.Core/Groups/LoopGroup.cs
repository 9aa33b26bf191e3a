namespace Mailbox;

/// <summary>DEVELOPMENT SKELETON — replaced by the scheduler branch before anything lands.</summary>
public sealed class LoopGroup : IAsyncDisposable
{
    private LoopGroup(string name, LoopGroupOptions options)
    {
        Name = name;
        ThreadCount = options.ThreadCount;
    }

    /// <summary>Name.</summary>
    public string Name { get; }

    /// <summary>Threads.</summary>
    public int ThreadCount { get; }

    /// <summary>Loops spawned and not yet stopped.</summary>
    public int LoopCount => throw new NotImplementedException();

    /// <summary>Completes after every thread of the group has exited.</summary>
    public Task<LoopGroupReport> Completion => throw new NotImplementedException();

    /// <summary>Creates a group.</summary>
    /// <param name="name">Name.</param>
    /// <param name="options">Options.</param>
    /// <returns>The group.</returns>
    public static LoopGroup Create(string name, LoopGroupOptions? options = null) => new(name, options ?? new LoopGroupOptions());

    /// <summary>Spawns a loop pinned to one thread of the group.</summary>
    /// <param name="name">Name.</param>
    /// <param name="options">Options.</param>
    /// <returns>The loop.</returns>
    public LoopActor Spawn(string name, LoopOptions? options = null) => throw new NotImplementedException();

    /// <summary>Stops every loop, then the threads.</summary>
    /// <param name="mode">Mode.</param>
    /// <param name="timeout">Timeout.</param>
    /// <returns>The report.</returns>
    public Task<LoopGroupReport> StopAsync(StopMode mode = StopMode.Drain, TimeSpan? timeout = null) => throw new NotImplementedException();

    /// <summary>StopAsync(Drain).</summary>
    /// <returns>A task.</returns>
    public ValueTask DisposeAsync() => new(StopAsync());
}
