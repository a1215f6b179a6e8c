using Granary.Testing.Vectors;

namespace Granary.Core.Tests.Vectors;

public class MiniYamlTests
{
    [Fact]
    public void Single_quoted_scalars_fold_lines_and_blank_lines_become_newlines()
    {
        var map = MiniYaml.Parse("key: '-----BEGIN-----\n\n    abc\n\n    def\n    ghi\n\n    '\nnext: 1\n").AsMap();
        Assert.Equal("-----BEGIN-----\nabc\ndef ghi\n", map.Str("key"));
        Assert.Equal("1", map.Str("next"));
    }

    [Fact]
    public void Double_quoted_scalars_unescape_and_stay_strings()
    {
        var map = MiniYaml.Parse("a: \"u\\u0308 h\\xE9 \\\"q\\\"\"\nb: \"1\"\nc: 1\n").AsMap();
        Assert.Equal("u\u0308 h\u00e9 \"q\"", map.Str("a"));
        Assert.Equal(new YamlScalar("1", Quoted: true), map.Get("b"));
        Assert.Equal(new YamlScalar("1", Quoted: false), map.Get("c"));
    }

    [Fact]
    public void Sequences_at_the_keys_indent_anchors_aliases_and_empty_flow_collections_parse()
    {
        const string text = """
            # comment
            list:
            - name: x
              meta: &id1
                k: v
              empty: {}
            - name: y
              meta: *id1
              none: []
            plain: a long value
              continued here
            scalars:
            - 1
            - null
            """;
        var map = MiniYaml.Parse(text).AsMap();
        var list = map.Get("list").AsList();
        Assert.Equal(2, list.Count);
        Assert.Same(list[0].AsMap().Get("meta"), list[1].AsMap().Get("meta"));
        Assert.Empty(list[0].AsMap().Get("empty").AsMap());
        Assert.Empty(list[1].AsMap().Get("none").AsList());
        Assert.Equal("a long value continued here", map.Str("plain"));
        Assert.Equal(["1", "null"], map.Strings("scalars"));
        Assert.Null(MiniYaml.Parse("a: null\n").AsMap().StrOrNull("a"));
    }

    [Fact]
    public void Unsupported_YAML_is_an_error_not_a_guess()
    {
        Assert.Throws<FormatException>(() => MiniYaml.Parse("a: [1, 2]\n"));
        Assert.Throws<FormatException>(() => MiniYaml.Parse("a: 'open\n"));
        Assert.Throws<FormatException>(() => MiniYaml.Parse("a: 1\na: 2\n"));
    }
}
