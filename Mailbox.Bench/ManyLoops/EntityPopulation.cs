namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// <see cref="Count"/> entities of one subject — Mailbox loops in a <see cref="LoopGroup"/>, Akka.NET actors, Proto.Actor
/// actors — driven the same way by <see cref="ManyLoopsBenchmarks"/> and <see cref="ManyLoopsProbe"/>: spawn them all,
/// one request/reply each with every request in flight at once, storms of fire-and-forget messages from the calling
/// thread, then stop them all. A population is used over and over: spawn, round trip, any number of storms, stop.
/// </summary>
/// <remarks>
/// Spawning and stopping differ by subject (a Mailbox population spawns into a group it is given, and may be stopped by
/// its group), so they live in the subclasses; the storm's shape is common and lives here.
/// </remarks>
public abstract class EntityPopulation : IDisposable
{
    /// <summary>Fire-and-forget messages each entity gets in one storm: the storm of the loop-groups issue (100 posts round-robin over every loop).</summary>
    public const int StormMessagesPerEntity = 100;

    /// <summary>Creates the shared parts of a population of <paramref name="count"/> entities.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    protected EntityPopulation(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Count = count;
    }

    /// <summary>Entities spawned by each spawn.</summary>
    public int Count { get; }

    /// <summary>Messages sent in all storms since the last spawn, for the subclasses' checks.</summary>
    public long StormMessagesSent { get; private set; }

    /// <summary>The storm's countdown of entities that have not yet run their share; each entity's <see cref="StormTally"/> signals it.</summary>
    protected CompletionCountdown StormRound { get; } = new();

    /// <summary>
    /// Sends <see cref="StormMessagesPerEntity"/> fire-and-forget messages to every entity from the calling thread,
    /// round-robin (one message to each entity in turn, then again), and returns when every message has run.
    /// </summary>
    /// <exception cref="TimeoutException">The messages had not all run after a minute.</exception>
    public void Storm()
    {
        StormRound.Reset(Count);
        StormMessagesSent += (long)Count * StormMessagesPerEntity;
        SendStorm();
        StormRound.Wait();
    }

    /// <summary>Releases the countdowns and whatever the subject owns.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Forgets the storms of the previous spawn; a subclass calls it when it spawns.</summary>
    protected void ResetStormCount() => StormMessagesSent = 0;

    /// <summary>One storm's sends, round-robin over every entity, each message counted by the entity's <see cref="StormTally"/>.</summary>
    protected abstract void SendStorm();

    /// <summary>Releases the countdowns; a subclass also releases the system it owns.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            StormRound.Dispose();
        }
    }
}
