using Conveyor.Auth;
using Conveyor.Hosting;

namespace Conveyor.Tests;

public sealed class KeyHashTests
{
    [Fact]
    public void The_hash_the_validator_looks_up_by_is_the_hash_the_store_keeps()
    {
        foreach (var key in new[] { ApiKeyGenerator.NewKey(), ApiKeyGenerator.NewKey(), "cvk_ABCDEFGH_é€😀", new string('x', KeyHash.MaxKeyLength) })
        {
            Assert.Equal(ApiKeyGenerator.Hash(key), KeyHash.Of(key).ToHex());
            Assert.Equal(KeyHash.Of(key), KeyHash.Of(key.ToCharArray()));
        }
        Assert.NotEqual(KeyHash.Of("cvk_ABCDEFGH_a"), KeyHash.Of("cvk_ABCDEFGH_b"));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyHash.Of(new string('x', KeyHash.MaxKeyLength + 1)));
    }
}
