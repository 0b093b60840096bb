package graph

// CommunityHeadlineFields are communityHeadlineFields, for the tests of
// what a list of community headlines answers.
func CommunityHeadlineFields() map[string]bool { return communityHeadlineFields }
