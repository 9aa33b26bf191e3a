namespace Mailbox;

/// <summary>
/// The <c>RunAsync</c> requests that were accepted and not yet started, so that an Immediate stop (or a stop timeout) can
/// end exactly their tasks without scanning the data lane. An intrusive doubly-linked list under a lock: add by the
/// sender, remove by the loop at start — both O(1) and without allocation.
/// </summary>
internal sealed class QueuedRequests
{
    /// <summary>Guards the list links.</summary>
    private readonly Lock _sync = new();

    /// <summary>The oldest request in the list.</summary>
    private CoroutineRequest? _head;

    /// <summary>How many requests are in the list.</summary>
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add(CoroutineRequest request)
    {
        lock (_sync)
        {
            request.Next = _head;
            request.Previous = null;
            if (_head is not null)
            {
                _head.Previous = request;
            }

            _head = request;
            _count++;
        }
    }

    public void Remove(CoroutineRequest request)
    {
        lock (_sync)
        {
            if (request.Previous is null && _head != request)
            {
                return;
            }

            if (request.Previous is not null)
            {
                request.Previous.Next = request.Next;
            }
            else
            {
                _head = request.Next;
            }

            if (request.Next is not null)
            {
                request.Next.Previous = request.Previous;
            }

            request.Previous = request.Next = null;
            _count--;
        }
    }

    /// <summary>Empties the list and returns what was in it.</summary>
    public List<CoroutineRequest> TakeAll()
    {
        var all = new List<CoroutineRequest>();
        lock (_sync)
        {
            for (var r = _head; r is not null;)
            {
                var next = r.Next;
                r.Previous = r.Next = null;
                all.Add(r);
                r = next;
            }

            _head = null;
            _count = 0;
        }

        return all;
    }
}
